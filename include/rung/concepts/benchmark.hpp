// The Benchmark role: what the simulator needs to replay training without
// training — the space, a trial's metric after each epoch and how long each
// epoch takes in simulated seconds. The shared synthetic workload and
// tabulated (recorded) learning curves model it.
#pragma once

#include <concepts>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "rung/concepts/config_space.hpp"

namespace rung {

template <class B>
concept Benchmark =
    ConfigSpace<typename B::space_type> &&
    requires(const B& benchmark, const typename B::space_type::config_type& config, std::int64_t epoch) {
      { benchmark.space() } -> std::same_as<const typename B::space_type&>;
      { benchmark.metric_name() } -> std::convertible_to<std::string_view>;
      { benchmark.max_epochs(config) } -> std::same_as<std::int64_t>;
      { benchmark.metric(config, epoch) } -> std::same_as<double>;
      { benchmark.epoch_seconds(config, epoch) } -> std::same_as<double>;
    };

}  // namespace rung
