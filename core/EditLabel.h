#pragma once
// The words an edit is marked with on the time plots ("β 3 → 10"): the difference of two scenarios,
// said once here for the GUI's edit markers and anything else that labels an edit.
#include "core/Scenario.h"

#include <string>

namespace attnsphere::core {

// "β 3 → 10, kernel softmax → relu": each changed value of the scenario's JSON form, dotted path for
// nested keys ("heads.alpha"), numbers with up to 4 significant digits, lists and matrices as "edited".
// Name, description, citation and t_end are not part of the dynamics and are left out. Empty when
// nothing the dynamics depend on changed.
std::string describeEdit(const Scenario& before, const Scenario& after);

}  // namespace attnsphere::core
