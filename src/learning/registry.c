/* The registry of learning task kinds: the one place that lists them.
 * Adding a kind is one file (a const sf_learning_kind) and one line here. */
#include "learning/learning_impl.h"

#include <stdio.h>
#include <string.h>

static const sf_learning_kind *const kinds[] = {
    &sf_learning_covariance_perceptron,
    &sf_learning_origami,
    &sf_learning_curve,
    &sf_learning_langevin,
};

int sf_learning_kind_count(void)
{
    return (int)(sizeof kinds / sizeof kinds[0]);
}

const sf_learning_kind *sf_learning_kind_at(int i)
{
    return i >= 0 && i < sf_learning_kind_count() ? kinds[i] : NULL;
}

const sf_learning_kind *sf_learning_kind_find(const char *name)
{
    for (int i = 0; i < sf_learning_kind_count(); i++)
        if (!strcmp(kinds[i]->name, name))
            return kinds[i];
    return NULL;
}

void sf_learning_kind_names(char *buf, size_t len)
{
    buf[0] = '\0';
    for (int i = 0; i < sf_learning_kind_count(); i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? ", " : "", kinds[i]->name);
}
