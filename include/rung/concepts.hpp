// The concept of each policy role: what a space, searcher, scheduler, cutoff
// rule, stop criterion, recorder, benchmark and trial must offer.
#pragma once

#include "rung/concepts/benchmark.hpp"
#include "rung/concepts/config_space.hpp"
#include "rung/concepts/cutoff_rule.hpp"
#include "rung/concepts/recorder.hpp"
#include "rung/concepts/scheduler.hpp"
#include "rung/concepts/searcher.hpp"
#include "rung/concepts/stop_criterion.hpp"
#include "rung/concepts/trial.hpp"
