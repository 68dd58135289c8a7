/* The registry of connection rules: adding a rule is one file in
 * src/network/rules/ and one line here. */
#include "model/model_impl.h"

#include <stdio.h>
#include <string.h>

SF_REGISTRY_DEFINE(sf_rule_type, sf_rule_type,
                   &sf_rule_fixed_indegree,
                   &sf_rule_fixed_outdegree,
                   &sf_rule_fixed_total_number,
                   &sf_rule_pairwise_bernoulli,
                   &sf_rule_one_to_one,
                   &sf_rule_all_to_all,
                   &sf_rule_spatial_fixed_indegree,
                   &sf_rule_spatial_fixed_outdegree,
                   &sf_rule_spatial_pairwise_bernoulli)
