// Results: the experiment folder a tuning writes (journal, results.csv,
// metadata.json), read back, tabulated and plotted.
#pragma once

#include "rung/results/experiment.hpp"
#include "rung/results/experiment_recorder.hpp"
#include "rung/results/plots.hpp"
#include "rung/results/status_table.hpp"
