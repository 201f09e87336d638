// The factory: a searcher and a scheduler built by name from JSON settings
// (rung-tune's), with registries to add more.
#pragma once

#include "rung/factory/registry.hpp"
#include "rung/factory/scheduler_entries.hpp"
#include "rung/factory/searcher_entries.hpp"
#include "rung/factory/make_scheduler.hpp"
