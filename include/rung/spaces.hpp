// Configuration spaces: the typed config_space, its domains, and
// dynamic_config_space, read from JSON at run time.
#pragma once

#include "rung/spaces/config_space.hpp"
#include "rung/spaces/config_hash.hpp"
#include "rung/spaces/dynamic_config_space.hpp"
