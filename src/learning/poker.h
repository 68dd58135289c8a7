/* Poker hands as in the UCI Poker Hand data set (Cattral & Oppacher 2007):
 * five cards, each (suit 1-4, rank 1-13, ace = 1), in the order dealt; ten
 * classes from the rules of poker (poker.c). */
#ifndef SF_LEARNING_POKER_H
#define SF_LEARNING_POKER_H

#include "spikefield/core.h"

enum {
    SF_POKER_NOTHING = 0, SF_POKER_PAIR, SF_POKER_TWO_PAIRS, SF_POKER_THREE, SF_POKER_STRAIGHT,
    SF_POKER_FLUSH, SF_POKER_FULL_HOUSE, SF_POKER_FOUR, SF_POKER_STRAIGHT_FLUSH,
    SF_POKER_ROYAL_FLUSH, SF_POKER_CLASSES
};
#define SF_POKER_INPUTS 85 /* one-hot suit (4) and rank (13) per card */

/* A hand: suit[i] in 1..4, rank[i] in 1..13, five different cards. */
typedef struct {
    int suit[5], rank[5];
} sf_poker_hand;

/* The class of a hand (UCI: a straight may run A-2-3-4-5 or 10-J-Q-K-A;
 * the royal flush is 10-J-Q-K-A of one suit). */
int sf_poker_class(const sf_poker_hand *h);
/* Number of the 2,598,960 five-card sets in class c. */
double sf_poker_class_count(int c);
/* A uniformly random ordered hand (5 different cards of 52). */
void sf_poker_deal(sf_rng *r, sf_poker_hand *h);
/* A uniformly random ordered hand of class c (constructed from the class's
 * definition, uniform over the hands of that class). */
void sf_poker_deal_class(sf_rng *r, int c, sf_poker_hand *h);
/* The 85 inputs of a hand (one-hot suit and rank per card). */
void sf_poker_encode(const sf_poker_hand *h, float *x);

#endif
