#pragma once
// A view's camera: where it is, what it looks at, which way is up and its vertical view angle (degrees).
// Sessions store it per step; the views and the renderer set their VTK camera from it.
#include <array>

namespace attnsphere::core {

struct Camera {
    std::array<double, 3> position{0, 0, 4}, focalPoint{0, 0, 0}, viewUp{0, 1, 0};
    double viewAngle = 30;
};

}  // namespace attnsphere::core
