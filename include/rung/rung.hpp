// Everything rung offers on any platform, in one include. The subprocess
// backend (POSIX only) is not part of it: include rung/subprocess.hpp.
#pragma once

#include "rung/concepts.hpp"
#include "rung/decision.hpp"
#include "rung/drivers.hpp"
#include "rung/factory.hpp"
#include "rung/random.hpp"
#include "rung/reporter.hpp"
#include "rung/results.hpp"
#include "rung/schedulers.hpp"
#include "rung/searchers.hpp"
#include "rung/spaces.hpp"
#include "rung/stop_criterion.hpp"
#include "rung/version.hpp"
