// See cuda_runtime_api.h: the check needs no more of the driver API.
#pragma once
#include "cuda_runtime_api.h"
