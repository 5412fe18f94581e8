#include "services/award/scoring.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace paritrana::award {
namespace {

using v1::IndicatorResult;

// The indicators of `version` in rubric order, with their aspects.
struct IndicatorRef {
  const v1::Aspect* aspect;
  const v1::Indicator* indicator;
};

std::vector<IndicatorRef> Indicators(const v1::RubricVersion& version) {
  std::vector<IndicatorRef> out;
  for (const v1::Aspect& a : version.aspects()) {
    for (const v1::Indicator& i : a.indicators()) out.push_back({&a, &i});
  }
  return out;
}

double AspectIndicatorWeight(const v1::Aspect& aspect) {
  double sum = 0;
  for (const v1::Indicator& i : aspect.indicators()) sum += i.weight();
  return sum;
}

bool Available(const IndicatorResult& r) {
  return r.value_status() == v1::INDICATOR_VALUE_STATUS_AVAILABLE && r.has_raw_value();
}

// A scored candidate on its way to a RankedEntry.
struct Scored {
  CandidateValues values;
  std::vector<v1::GateOutcome> gates;
  std::vector<v1::AspectScore> aspects;
  double total = 0;
  std::vector<double> tie_break;
};

}  // namespace

double LinearScore(double value, double lower, double upper) {
  if (value <= lower) return 0;
  if (value >= upper) return 100;
  return 100 * (value - lower) / (upper - lower);
}

double RelativeToTargetScore(double value, double target) {
  return std::min(100.0, std::max(0.0, value / target * 100));
}

double RankScore(int rank, int population) {
  if (population <= 1) return 100;
  return 100.0 * (population - rank) / (population - 1);
}

std::vector<int> CompetitionRanks(const std::vector<double>& values, bool higher_is_better) {
  std::vector<int> ranks(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    int better = 0;
    for (double other : values) {
      if (higher_is_better ? other > values[i] : other < values[i]) ++better;
    }
    ranks[i] = better + 1;
  }
  return ranks;
}

double CombineJury(std::vector<double> scores, v1::JuryAggregation aggregation) {
  if (scores.empty()) return 0;
  if (aggregation == v1::JURY_AGGREGATION_MEDIAN) {
    std::sort(scores.begin(), scores.end());
    const size_t n = scores.size();
    return n % 2 == 1 ? scores[n / 2] : (scores[n / 2 - 1] + scores[n / 2]) / 2;
  }
  double sum = 0;
  for (double s : scores) sum += s;
  return sum / static_cast<double>(scores.size());
}

bool GateHolds(v1::ComparisonOperator comparison, double value, double threshold) {
  switch (comparison) {
    case v1::COMPARISON_OPERATOR_GTE:
      return value >= threshold;
    case v1::COMPARISON_OPERATOR_GT:
      return value > threshold;
    case v1::COMPARISON_OPERATOR_LTE:
      return value <= threshold;
    case v1::COMPARISON_OPERATOR_LT:
      return value < threshold;
    default:
      return false;  // validation refuses any other operator
  }
}

int64_t Round6(double value) { return std::llround(value * 1e6); }

std::vector<IndicatorResult> IndicatorSkeletons(const v1::RubricVersion& version) {
  std::vector<IndicatorResult> out;
  for (const auto& [aspect, indicator] : Indicators(version)) {
    IndicatorResult r;
    r.set_indicator_id(indicator->id());
    r.set_aspect_id(aspect->id());
    if (indicator->has_jury()) {
      r.set_source(v1::INDICATOR_SOURCE_JURY);
      r.set_jury_aggregation(indicator->jury().aggregation() != v1::JURY_AGGREGATION_UNSPECIFIED
                                 ? indicator->jury().aggregation()
                                 : (version.jury_aggregation() != v1::JURY_AGGREGATION_UNSPECIFIED
                                        ? version.jury_aggregation()
                                        : v1::JURY_AGGREGATION_MEAN));
    } else {
      r.set_source(v1::INDICATOR_SOURCE_COMPUTED);
      r.set_computed(indicator->computed());
    }
    r.set_weight(indicator->weight());
    const double aspect_weights = AspectIndicatorWeight(*aspect);
    r.set_effective_weight(aspect_weights > 0 ? aspect->weight() / version.declared_total_weight() *
                                                    indicator->weight() / aspect_weights * 100
                                              : 0);
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

using IndexOf = std::map<std::string, size_t>;  // indicator id -> position in rubric order

// 1. Gates on raw values; a missing value fails its gate. Candidates that pass every gate go to
// `passed`, the others to `screened` with their gate outcomes.
void ApplyGates(const v1::RubricVersion& version, const IndexOf& index_of,
                std::vector<CandidateValues>& active, std::vector<Scored>& passed,
                std::vector<v1::ScreenedOutEntry>& screened) {
  for (CandidateValues& c : active) {
    std::vector<v1::GateOutcome> outcomes;
    bool all = true;
    for (const v1::ThresholdGate& gate : version.gates()) {
      v1::GateOutcome o;
      *o.mutable_gate() = gate;
      auto it = index_of.find(gate.indicator_id());
      if (it != index_of.end() && it->second < c.indicators.size() &&
          Available(c.indicators[it->second])) {
        const double value = c.indicators[it->second].raw_value();
        o.set_value(value);
        o.set_passed(GateHolds(gate.comparison(), value, gate.threshold()));
      }
      all = all && o.passed();
      outcomes.push_back(std::move(o));
    }
    if (all) {
      Scored s;
      s.values = std::move(c);
      s.gates = std::move(outcomes);
      passed.push_back(std::move(s));
    } else {
      v1::ScreenedOutEntry e;
      e.set_candidate(c.candidate);
      e.set_subject(c.subject);
      e.set_display_name(c.display_name);
      for (auto& o : outcomes) *e.add_gate_outcomes() = std::move(o);
      screened.push_back(std::move(e));
    }
  }
}

// 2. Normalized scores. Rank-based scoring ranks among the candidates that passed every gate and
// have a value.
void Normalize(const std::vector<IndicatorRef>& refs, std::vector<Scored>& passed) {
  for (size_t i = 0; i < refs.size(); ++i) {
    const v1::Indicator& ind = *refs[i].indicator;
    if (ind.has_rank_based()) {
      std::vector<size_t> members;
      std::vector<double> values;
      for (size_t k = 0; k < passed.size(); ++k) {
        if (Available(passed[k].values.indicators[i])) {
          members.push_back(k);
          values.push_back(passed[k].values.indicators[i].raw_value());
        }
      }
      const std::vector<int> ranks = CompetitionRanks(
          values, ind.rank_based().direction() != v1::RANK_DIRECTION_LOWER_IS_BETTER);
      const int n = static_cast<int>(values.size());
      for (Scored& s : passed) {
        s.values.indicators[i].set_rank_population(n);
        s.values.indicators[i].set_normalized_score(0);
      }
      for (size_t m = 0; m < members.size(); ++m) {
        IndicatorResult& r = passed[members[m]].values.indicators[i];
        r.set_rank_position(ranks[m]);
        r.set_normalized_score(RankScore(ranks[m], n));
      }
      continue;
    }
    for (Scored& s : passed) {
      IndicatorResult& r = s.values.indicators[i];
      double score = 0;
      if (Available(r)) {
        if (ind.has_linear()) {
          score = LinearScore(r.raw_value(), ind.linear().lower(), ind.linear().upper());
        } else if (ind.has_relative_to_target()) {
          score = RelativeToTargetScore(r.raw_value(), ind.relative_to_target().target());
        }
      }
      r.set_normalized_score(score);
    }
  }
}

// 3. Contributions, aspect scores, totals and tie-break values.
void Total(const v1::RubricVersion& version, const IndexOf& index_of, std::vector<Scored>& passed) {
  for (Scored& s : passed) {
    size_t i = 0;
    double total = 0;
    std::map<std::string, double> aspect_scores;
    for (const v1::Aspect& a : version.aspects()) {
      const double weights = AspectIndicatorWeight(a);
      double weighted = 0;
      for (int k = 0; k < a.indicators_size(); ++k, ++i) {
        IndicatorResult& r = s.values.indicators[i];
        weighted += a.indicators(k).weight() * r.normalized_score();
        r.set_weighted_contribution(r.effective_weight() * r.normalized_score() / 100);
      }
      v1::AspectScore as;
      as.set_aspect_id(a.id());
      as.set_weight(a.weight());
      as.set_score(weights > 0 ? weighted / weights : 0);
      as.set_weighted_contribution(a.weight() * as.score() / version.declared_total_weight());
      total += as.weighted_contribution();
      aspect_scores[a.id()] = as.score();
      s.aspects.push_back(std::move(as));
    }
    s.total = total;
    for (const v1::TieBreakKey& key : version.tie_break_order()) {
      double value = 0;
      if (key.has_indicator_id()) {
        auto it = index_of.find(key.indicator_id());
        if (it != index_of.end()) value = s.values.indicators[it->second].normalized_score();
      } else {
        value = aspect_scores[key.aspect_id()];
      }
      s.tie_break.push_back(value);
    }
  }
}

// 4. Order (total, then the tie-break values, then the subject) and rank.
void Rank(std::vector<Scored>& passed, v1::CategoryResult& result) {
  std::sort(passed.begin(), passed.end(), [](const Scored& x, const Scored& y) {
    if (Round6(x.total) != Round6(y.total)) return Round6(x.total) > Round6(y.total);
    for (size_t k = 0; k < x.tie_break.size() && k < y.tie_break.size(); ++k) {
      if (Round6(x.tie_break[k]) != Round6(y.tie_break[k])) {
        return Round6(x.tie_break[k]) > Round6(y.tie_break[k]);
      }
    }
    return x.values.subject < y.values.subject;
  });
  int rank = 0;
  for (Scored& s : passed) {
    v1::RankedEntry* e = result.add_ranked();
    e->set_rank(++rank);
    e->set_candidate(s.values.candidate);
    e->set_subject(s.values.subject);
    e->set_display_name(s.values.display_name);
    e->set_total_score(s.total);
    for (auto& a : s.aspects) *e->add_aspect_scores() = std::move(a);
    for (auto& r : s.values.indicators) *e->add_indicators() = std::move(r);
    for (auto& g : s.gates) *e->add_gate_outcomes() = std::move(g);
    for (double t : s.tie_break) e->add_tie_break_values(t);
  }
}

}  // namespace

v1::CategoryResult ScoreCategory(const v1::RubricVersion& version, v1::AwardCategory category,
                                 const std::string& rubric_version_name,
                                 std::vector<CandidateValues> active,
                                 std::vector<v1::ExcludedCandidate> excluded) {
  const std::vector<IndicatorRef> refs = Indicators(version);
  IndexOf index_of;
  for (size_t i = 0; i < refs.size(); ++i) index_of[refs[i].indicator->id()] = i;

  v1::CategoryResult result;
  result.set_category(category);
  result.set_rubric_version(rubric_version_name);
  std::vector<Scored> passed;
  std::vector<v1::ScreenedOutEntry> screened;
  ApplyGates(version, index_of, active, passed, screened);
  Normalize(refs, passed);
  Total(version, index_of, passed);
  Rank(passed, result);
  std::sort(screened.begin(), screened.end(),
            [](const auto& x, const auto& y) { return x.subject() < y.subject(); });
  for (auto& e : screened) *result.add_screened_out() = std::move(e);
  std::sort(excluded.begin(), excluded.end(),
            [](const auto& x, const auto& y) { return x.subject() < y.subject(); });
  for (auto& e : excluded) *result.add_excluded() = std::move(e);
  result.set_ranked_count(result.ranked_size());
  result.set_screened_out_count(result.screened_out_size());
  result.set_excluded_count(result.excluded_size());
  return result;
}

}  // namespace paritrana::award
