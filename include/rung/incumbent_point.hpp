// A point of an incumbent trajectory: the best metric seen up to `time`, and
// the trial that reported it. Results read from disk and the simulator's
// statistics both give the trajectory as these.
#pragma once

#include "rung/decision.hpp"

namespace rung {

struct incumbent_point {
  double time = 0.0;
  double best = 0.0;
  trial_id trial = 0;
};

}  // namespace rung
