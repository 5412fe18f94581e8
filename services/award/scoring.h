#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "paritrana/award/v1/resources.pb.h"

// The award's arithmetic, with no I/O: scoring functions, jury aggregation, threshold gates and
// the ranking of one category. Everything here is a pure function of a rubric version and the
// raw indicator values the evaluator gathered, so a stored evaluation can be re-derived from its
// inputs and the functions are tested against hand-computed figures.
namespace paritrana::award {

// Linear scoring: 0 at and below `lower`, 100 at and above `upper`, linear in between.
double LinearScore(double value, double lower, double upper);
// min(100, max(0, value / target x 100)).
double RelativeToTargetScore(double value, double target);
// Rank-based scoring of competition rank `rank` (1 = best) among `population` values:
// 100 x (n - rank) / (n - 1), and 100 when n = 1.
double RankScore(int rank, int population);
// Competition ranks (1, 2, 2, 4) of `values`, aligned with them; ties are exact equality.
std::vector<int> CompetitionRanks(const std::vector<double>& values, bool higher_is_better);
// Combines several assessors' scores (at least one) by mean or median (mean of the two middle
// scores for an even count). UNSPECIFIED is treated as MEAN.
double CombineJury(std::vector<double> scores, v1::JuryAggregation aggregation);
// `value comparison threshold`.
bool GateHolds(v1::ComparisonOperator comparison, double value, double threshold);
// A score rounded half away from zero to 6 decimals, as an integer count of millionths: the form
// in which totals and tie-break values are compared.
int64_t Round6(double value);

// One indicator result per indicator of `version`, in rubric order, with the fields that depend
// only on the rubric filled: indicator_id, aspect_id, source, computed, jury_aggregation (the one
// that applies), weight and effective_weight.
std::vector<v1::IndicatorResult> IndicatorSkeletons(const v1::RubricVersion& version);

// An ACTIVE candidate with its raw values: `indicators` are IndicatorSkeletons(version) with
// value_status, raw_value, inputs and jury_scores filled by the evaluator.
struct CandidateValues {
  std::string candidate;
  std::string subject;
  std::string display_name;
  std::vector<v1::IndicatorResult> indicators;
};

// Gates, scores and ranks one category: candidates failing a gate are screened out (ordered by
// subject), the others are scored (rank-based scoring ranks among them), ordered by total score
// rounded to 6 decimals descending, then the version's tie_break_order, then subject ascending,
// and ranked 1..n. `excluded` is copied in subject order.
v1::CategoryResult ScoreCategory(const v1::RubricVersion& version, v1::AwardCategory category,
                                 const std::string& rubric_version_name,
                                 std::vector<CandidateValues> active,
                                 std::vector<v1::ExcludedCandidate> excluded);

}  // namespace paritrana::award
