// Any searcher over Space, as one type: what a factory builds when the
// searcher is named at run time (JSON), so that each scheduler is compiled
// once over it rather than once per searcher. It passes every optional hook
// on (on_report, on_trial_end, set_metric_mode), and says at run time
// whether the searcher runs out on its own (grid search).
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "rung/concepts/searcher.hpp"
#include "rung/decision.hpp"

namespace rung {

template <ConfigSpace Space>
class any_searcher {
 public:
  using space_type = Space;
  using config_type = typename Space::config_type;

  template <Searcher S>
    requires(!std::is_same_v<S, any_searcher> && std::is_same_v<typename S::space_type, Space>)
  any_searcher(S searcher)  // NOLINT(google-explicit-constructor): a searcher converts to its erased form
      : held_(std::make_unique<model<S>>(std::move(searcher))) {}

  std::optional<config_type> suggest(trial_id id) { return held_->suggest(id); }
  void on_report(const observation& obs) { held_->on_report(obs); }
  void on_trial_end(trial_id id, trial_end how) { held_->on_trial_end(id, how); }
  void set_metric_mode(mode metric_mode) { held_->set_metric_mode(metric_mode); }
  [[nodiscard]] const Space& space() const noexcept { return held_->space(); }
  // Whether the held searcher runs out on its own (is_exhaustible_v of its type).
  [[nodiscard]] bool runs_out() const noexcept { return held_->runs_out(); }
  // The held searcher's warning (the Searcher concept's optional hook).
  [[nodiscard]] std::optional<std::string_view> warning() const noexcept { return held_->warning(); }
  // The held searcher if it is an S (as std::get_if has it), else nullptr.
  template <Searcher S>
  [[nodiscard]] const S* get_if() const noexcept {
    const auto* held = dynamic_cast<const model<S>*>(held_.get());
    return held == nullptr ? nullptr : &held->searcher;
  }

 private:
  struct concept_base {
    virtual ~concept_base() = default;
    virtual std::optional<config_type> suggest(trial_id id) = 0;
    virtual void on_report(const observation& obs) = 0;
    virtual void on_trial_end(trial_id id, trial_end how) = 0;
    virtual void set_metric_mode(mode metric_mode) = 0;
    [[nodiscard]] virtual const Space& space() const noexcept = 0;
    [[nodiscard]] virtual bool runs_out() const noexcept = 0;
    [[nodiscard]] virtual std::optional<std::string_view> warning() const noexcept = 0;
  };
  template <class S>
  struct model final : concept_base {
    explicit model(S held) : searcher(std::move(held)) {}
    std::optional<config_type> suggest(trial_id id) override { return searcher.suggest(id); }
    void on_report(const observation& obs) override { detail::notify_report(searcher, obs); }
    void on_trial_end(trial_id id, trial_end how) override { detail::notify_trial_end(searcher, id, how); }
    void set_metric_mode(mode metric_mode) override { detail::notify_metric_mode(searcher, metric_mode); }
    [[nodiscard]] const Space& space() const noexcept override { return searcher.space(); }
    [[nodiscard]] bool runs_out() const noexcept override { return is_exhaustible_v<S>; }
    [[nodiscard]] std::optional<std::string_view> warning() const noexcept override {
      return detail::warning_of(searcher);
    }
    S searcher;
  };

  std::unique_ptr<concept_base> held_;
};

template <Searcher S>
any_searcher(S) -> any_searcher<typename S::space_type>;

}  // namespace rung
