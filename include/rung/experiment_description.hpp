// What an experiment is, as metadata.json records it and results readers
// need it: names of things, not values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "rung/decision.hpp"

namespace rung {

struct experiment_description {
  std::string name = {};
  std::string metric = {};                     // the one the scheduler optimises
  rung::mode mode = rung::mode::min;
  std::vector<std::string> metric_names = {};  // every metric trials report
  std::string resource_attr = "epoch";
  std::vector<std::string> hyperparameter_names = {};
  std::string config_space_json = "{}";        // each hyperparameter's domain
  std::size_t n_workers = 1;
  std::string scheduler = {};
  std::string driver = {};                     // "asio" (real time) or "simulator" (virtual time)
  bool resumed = false;                        // goes on from an existing journal
  // st_tuner_creation_timestamp; unset: the real time now. The simulator
  // sets 0 so that the same seed gives the same files, byte for byte.
  std::optional<double> creation_timestamp = std::nullopt;
};

}  // namespace rung
