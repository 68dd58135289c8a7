/* Poker hands generated from the rules of poker, in the encoding of the UCI
 * Poker Hand data set (cards as dealt, suit 1-4, rank 1-13 with ace = 1).
 * The UCI file itself is not used: its distribution is the uniform one over
 * ordered five-card hands, which sf_poker_deal draws exactly.
 *
 * Class counts (of unordered hands; every unordered hand has 5! orders):
 * royal flush 4, straight flush 36, four of a kind 624, full house 3744,
 * flush 5108, straight 10200, three of a kind 54912, two pairs 123552, one
 * pair 1098240, nothing 1302540 (sum C(52,5) = 2598960).
 *
 * Invariant: a dealt hand holds five different cards.
 */
#include "learning/poker.h"

#include <string.h>

static int is_straight(const int cnt[14])
{
    /* ranks present once each: 5 consecutive, the ace (1) also high */
    for (int lo = 1; lo <= 10; lo++) {
        int ok = 1;
        for (int k = 0; k < 5 && ok; k++) {
            int r = lo + k == 14 ? 1 : lo + k;
            ok = cnt[r] == 1;
        }
        if (ok)
            return lo;
    }
    return 0;
}

int sf_poker_class(const sf_poker_hand *h)
{
    int cnt[14] = {0}, flush = 1;
    for (int i = 0; i < 5; i++) {
        cnt[h->rank[i]]++;
        flush &= h->suit[i] == h->suit[0];
    }
    int pairs = 0, three = 0, four = 0;
    for (int r = 1; r <= 13; r++)
        pairs += cnt[r] == 2, three += cnt[r] == 3, four += cnt[r] == 4;
    int lo = is_straight(cnt);
    if (lo && flush)
        return lo == 10 ? SF_POKER_ROYAL_FLUSH : SF_POKER_STRAIGHT_FLUSH;
    if (four)
        return SF_POKER_FOUR;
    if (three && pairs)
        return SF_POKER_FULL_HOUSE;
    if (flush)
        return SF_POKER_FLUSH;
    if (lo)
        return SF_POKER_STRAIGHT;
    if (three)
        return SF_POKER_THREE;
    if (pairs == 2)
        return SF_POKER_TWO_PAIRS;
    if (pairs == 1)
        return SF_POKER_PAIR;
    return SF_POKER_NOTHING;
}

double sf_poker_class_count(int c)
{
    static const double n[SF_POKER_CLASSES] = {1302540, 1098240, 123552, 54912, 10200,
                                               5108,    3744,    624,    36,    4};
    return c >= 0 && c < SF_POKER_CLASSES ? n[c] : 0;
}

void sf_poker_deal(sf_rng *r, sf_poker_hand *h)
{
    int used[52] = {0};
    for (int i = 0; i < 5; i++) {
        int c;
        do
            c = (int)sf_rng_below(r, 52);
        while (used[c]);
        used[c] = 1;
        h->suit[i] = c / 13 + 1;
        h->rank[i] = c % 13 + 1;
    }
}

/* Random order of the five cards (Fisher-Yates). */
static void shuffle(sf_rng *r, sf_poker_hand *h)
{
    for (int i = 4; i > 0; i--) {
        int j = (int)sf_rng_below(r, (uint64_t)i + 1), s = h->suit[i], k = h->rank[i];
        h->suit[i] = h->suit[j], h->rank[i] = h->rank[j];
        h->suit[j] = s, h->rank[j] = k;
    }
}

/* k different values of 1..n, not in `not` (a mask over 1..13), into out. */
static void distinct(sf_rng *r, int n, int k, unsigned not, int *out)
{
    for (int i = 0; i < k; i++) {
        int v;
        do
            v = 1 + (int)sf_rng_below(r, (uint64_t)n);
        while (not & (1u << v));
        not |= 1u << v;
        out[i] = v;
    }
}

void sf_poker_deal_class(sf_rng *r, int c, sf_poker_hand *h)
{
    /* rejection from uniform deals where the class is common enough: exact
     * and uniform within the class */
    if (c == SF_POKER_NOTHING || c == SF_POKER_PAIR) {
        do
            sf_poker_deal(r, h);
        while (sf_poker_class(h) != c);
        return;
    }
    int ranks[5], suits[4];
    for (;;) { /* constructions, redrawn when they fall into a higher class */
        switch (c) {
        case SF_POKER_STRAIGHT_FLUSH:
        case SF_POKER_ROYAL_FLUSH: {
            int lo = c == SF_POKER_ROYAL_FLUSH ? 10 : 1 + (int)sf_rng_below(r, 9);
            int s = 1 + (int)sf_rng_below(r, 4);
            for (int k = 0; k < 5; k++)
                h->rank[k] = lo + k == 14 ? 1 : lo + k, h->suit[k] = s;
            break;
        }
        case SF_POKER_STRAIGHT: {
            int lo = 1 + (int)sf_rng_below(r, 10);
            for (int k = 0; k < 5; k++)
                h->rank[k] = lo + k == 14 ? 1 : lo + k, h->suit[k] = 1 + (int)sf_rng_below(r, 4);
            break;
        }
        case SF_POKER_FLUSH: {
            int s = 1 + (int)sf_rng_below(r, 4);
            distinct(r, 13, 5, 0, ranks);
            for (int k = 0; k < 5; k++)
                h->rank[k] = ranks[k], h->suit[k] = s;
            break;
        }
        case SF_POKER_FOUR: /* rank a x4, one other card */
        case SF_POKER_FULL_HOUSE: /* rank a x3, rank b x2 */
        case SF_POKER_THREE: /* rank a x3, two single ranks */
        case SF_POKER_TWO_PAIRS: { /* ranks a, b x2, one single */
            static const int mult[4][5] = {{4, 1, 0, 0, 0}, {3, 2, 0, 0, 0}, {3, 1, 1, 0, 0},
                                           {2, 2, 1, 0, 0}};
            const int *mu = mult[c == SF_POKER_FOUR ? 0 : c == SF_POKER_FULL_HOUSE ? 1
                                 : c == SF_POKER_THREE ? 2 : 3];
            int groups = 0;
            while (groups < 5 && mu[groups])
                groups++;
            distinct(r, 13, groups, 0, ranks);
            int k = 0;
            for (int g = 0; g < groups; g++) {
                distinct(r, 4, mu[g], 0, suits);
                for (int t = 0; t < mu[g]; t++, k++)
                    h->rank[k] = ranks[g], h->suit[k] = suits[t];
            }
            break;
        }
        }
        if (sf_poker_class(h) == c)
            break;
    }
    shuffle(r, h);
}

void sf_poker_encode(const sf_poker_hand *h, float *x)
{
    memset(x, 0, sizeof(float) * SF_POKER_INPUTS);
    for (int i = 0; i < 5; i++) {
        x[17 * i + h->suit[i] - 1] = 1;
        x[17 * i + 4 + h->rank[i] - 1] = 1;
    }
}
