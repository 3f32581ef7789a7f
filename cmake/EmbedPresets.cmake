# Writes a C++ source holding every JSON file in FILES as a raw string: name -> text, returned by the
# function FUNC (default embeddedPresets; lectures and sweeps use the same script, see core/CMakeLists.txt).
if(NOT FUNC)
  set(FUNC embeddedPresets)
endif()
set(body "#include <map>\n#include <string>\nnamespace attnsphere::core {\nconst std::map<std::string, std::string>& ${FUNC}() {\n  static const std::map<std::string, std::string> presets = {\n")
foreach(f ${FILES})
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} text)
  string(APPEND body "    {\"${name}\", R\"attnsphere_json(${text})attnsphere_json\"},\n")
endforeach()
string(APPEND body "  };\n  return presets;\n}\n}  // namespace attnsphere::core\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
