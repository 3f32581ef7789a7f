// PLACEHOLDER: implemented with the dynamics (issue 2).
#include "core/Model.h"
