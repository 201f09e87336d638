// Schedulers: which trial runs next, and whether a running trial goes on.
#pragma once

#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/cutoff_rules.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/schedulers/median_stopping.hpp"
#include "rung/schedulers/rung_levels.hpp"
#include "rung/schedulers/synchronous_hyperband.hpp"
