// The Gaussian-process searcher (searchers/gp_searcher.hpp): rung::gp_searcher.
// Not in rung.hpp or searchers.hpp, which stay free of Eigen: include it by
// name and link rung::gp (Eigen3::Eigen).
#pragma once

#include "rung/searchers/gp_searcher.hpp"
