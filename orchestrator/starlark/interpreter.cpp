#include "orchestrator/starlark/interpreter.h"

#include "orchestrator/starlark/parser.h"

namespace mm::starlark {

namespace {
struct Program {
  Heap constants{SIZE_MAX};
  FileAst file;
};
}  // namespace

std::shared_ptr<const FileAst> compile_file(const std::string& source, const std::string& filename,
                                            const ResolveOptions& options) {
  auto program = std::make_shared<Program>();
  program->file.filename = filename;
  try {
    parse_file(source, program->file, program->constants);
  } catch (const EvalError& e) {  // constant heap cannot run out, but keep errors positioned
    throw StarlarkError(filename, e.pos, e.message, e.unsupported);
  }
  resolve_file(program->file, options);
  return std::shared_ptr<const FileAst>(program, &program->file);
}

std::shared_ptr<Module> make_module(std::shared_ptr<const FileAst> file,
                                    const std::function<Value(const std::string&)>& predeclared) {
  auto m = std::make_shared<Module>();
  m->globals.assign(file->global_names.size(), Value::unbound());
  for (const auto& name : file->predeclared_names) m->predeclared.push_back(predeclared(name));
  m->file = std::move(file);
  return m;
}

}  // namespace mm::starlark
