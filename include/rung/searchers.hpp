// Searchers: where the next configuration comes from.
#pragma once

#include "rung/searchers/grid_search.hpp"
#include "rung/searchers/kde_searcher.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/searchers/regularized_evolution.hpp"
