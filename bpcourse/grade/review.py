"""Review flags: code a person should look at, found in the submission's syntax tree.

Grading judges outputs, so it cannot tell solving from copying: a function that
calls ``bplib``'s own answer (``bplib.equations.hidden_error`` inside
``hidden_error``) returns right outputs. These flags point a reviewer at such
code; they never change a score. Each names the cell (1-based, counting every
cell of the notebook) and the line.

What is flagged: an exercise function that reaches the library's own answer for
it, or an exercise name bound to that answer; imports of the instructors'
package ``bpcourse``; dynamic code (``exec``, ``eval``, ``compile``,
``__import__``, ``importlib``, ``runpy``, ``getattr``/``setattr`` by string,
``sys.modules``, builtins); patches of imported modules (``np.allclose = ...``);
reads of course or other students' files (paths that are absolute, climb with
``..``, or name the course's folders; directory listings; the feedback's test
data ``bplib.checks.load``); shell commands and subprocesses; frame, tracing,
signal, thread and process tricks; the kernel's own messaging. Cells that are
exactly the course's own (the learner notebook as handed out) are not read. The
review reads MAX_REVIEWED characters of code in all (parsing costs the grader
about a kilobyte of memory a character); a cell past that, or nested too deeply
for the reviewer, is flagged "not reviewed".
"""
import ast
import importlib
import inspect
import re

from ..exercises import EXERCISES

# Library functions that are the answer to an exercise under another name (the same name is found
# by _library_answers). train_step and layers_at_fault are meant to call net.backprop and
# gradient_check, so nothing is listed for them.
_RENAMED = {
    "forward_pass": {"forward", "_forward", "predict"},
    "quadratic_cost": {"quadratic"},
    "cross_entropy_cost": {"binary_cross_entropy", "binary_cross_entropy_from_z"},
    "backprop": {"_backprop"},
    "sigmoid_prime": {"_sigmoid_prime_from_a"},
    "tanh_prime": {"_tanh_prime_from_a"},
    "tanh_backward": {"tanh_prime", "_tanh_prime_from_a"},
    "softmax_cross_entropy_delta": {"backprop", "_backprop"},
}
_LIBRARY_MODULES = ("bplib.activations", "bplib.equations", "bplib.losses", "bplib.gradcheck", "bplib.network")

_DYNAMIC_CALLS = {"exec": "calls exec", "eval": "calls eval", "compile": "calls compile",
                  "__import__": "calls __import__", "globals": "uses globals()", "vars": "uses vars()"}
_DYNAMIC_MODULES = {"importlib": "imports importlib", "runpy": "imports runpy", "ctypes": "imports ctypes",
                    "marshal": "imports marshal", "builtins": "imports builtins", "gc": "imports gc",
                    "subprocess": "starts processes (subprocess)", "pty": "imports pty",
                    "multiprocessing": "starts processes (multiprocessing)", "threading": "starts threads",
                    "signal": "handles signals", "socket": "opens sockets", "ptrace": "imports ptrace"}
# Attribute calls worth a look wherever they appear: (module alias's real name, attribute) -> message.
_TRICKS = {
    ("sys", "settrace"): "sets a trace function (sys.settrace)",
    ("sys", "setprofile"): "sets a profile function (sys.setprofile)",
    ("sys", "_getframe"): "inspects stack frames (sys._getframe)",
    ("sys", "modules"): "touches sys.modules",
    ("inspect", "stack"): "inspects stack frames (inspect.stack)",
    ("inspect", "currentframe"): "inspects stack frames (inspect.currentframe)",
    ("inspect", "getouterframes"): "inspects stack frames (inspect.getouterframes)",
    ("os", "fork"): "forks (os.fork)",
    ("os", "kill"): "sends signals (os.kill)",
    ("os", "killpg"): "sends signals (os.killpg)",
    ("os", "system"): "runs a shell command (os.system)",
    ("os", "popen"): "runs a shell command (os.popen)",
    ("os", "environ"): "reads the environment (os.environ)",
    ("os", "getppid"): "looks at its parent process (os.getppid)",
    ("resource", "setrlimit"): "changes resource limits (resource.setrlimit)",
}
_FILE_CALLS = {"open", "Path", "PurePath", "listdir", "scandir", "walk", "glob", "iglob", "rglob", "iterdir",
               "load", "loadtxt", "genfromtxt", "fromfile", "read", "read_text", "read_bytes", "copy", "copyfile",
               "copytree", "system", "getoutput", "run", "Popen", "check_output", "call"}
_LISTINGS = {"listdir", "scandir", "walk", "glob", "iglob", "rglob", "iterdir"}
_COURSE_WORDS = re.compile(r"solutions|bpcourse|submitted|autograded|exercise_data|gradebook|\.ipynb|/proc\b"
                           r"|grades\.(csv|json|journal)", re.I)
MAX_FLAGS = 50
MAX_REVIEWED = 200_000   # characters of code reviewed in all (the course's longest notebook has 40,000)
_TOO_DEEP = "not reviewed: nested too deeply"


def _library_answers():
    """{exercise function: names of bplib functions and Network methods that are its answer}."""
    names = {}
    available = set()
    for module_name in _LIBRARY_MODULES:
        module = importlib.import_module(module_name)
        available |= {name for name, _ in inspect.getmembers(module, callable)}
    from bplib.network import Network

    available |= {name for name, _ in inspect.getmembers(Network, callable)}
    for exercise in EXERCISES:
        found = {exercise.function} & available
        names[exercise.function] = found | _RENAMED.get(exercise.function, set())
    return names


LIBRARY_ANSWERS = _library_answers()


def _python(source):
    """The cell's source as plain Python (IPython magics and ! lines become calls), or None."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except Exception:  # IPython cannot read it either: the kernel raised SyntaxError
        return None
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _dotted(node):
    """``np.linalg.norm`` -> ["np", "linalg", "norm"]; None unless a chain of names."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id] + parts[::-1]
    return None


class _Imports(ast.NodeVisitor):
    """Names bound by imports: {alias: real dotted name} (modules and imported objects)."""

    def __init__(self):
        self.names = {}

    def visit_Import(self, node):
        for alias in node.names:
            if alias.asname:
                self.names[alias.asname] = alias.name
            else:
                root = alias.name.split(".")[0]
                self.names[root] = root

    def visit_ImportFrom(self, node):
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            self.names[alias.asname or alias.name] = f"{module}.{alias.name}"


class _Reviewer(ast.NodeVisitor):
    def __init__(self, imports, functions, flag):
        self.imports, self.functions, self.flag = imports, functions, flag

    def real(self, node):
        """The real dotted name of an expression rooted at an imported name, else None."""
        parts = _dotted(node)
        if parts and parts[0] in self.imports:
            return ".".join([self.imports[parts[0]]] + parts[1:])
        return None

    def _answer_in(self, node, function):
        """The library answer of ``function`` that ``node`` reaches, if any."""
        answers = LIBRARY_ANSWERS.get(function, set())
        for child in ast.walk(node):
            if isinstance(child, ast.Attribute) and child.attr in answers:
                return self.real(child) or ast.unparse(child)[:80]
            if isinstance(child, ast.Name):
                real = self.imports.get(child.id, "")
                if real.startswith("bplib") and real.rsplit(".", 1)[-1] in answers:
                    return real
        return None

    # -- imports -------------------------------------------------------------------------------------
    def visit_Import(self, node):
        for alias in node.names:
            self._module(node, alias.name)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        self._module(node, module)
        for alias in node.names:
            bound = alias.asname or alias.name
            if bound in self.functions and module.startswith("bplib") \
                    and alias.name in LIBRARY_ANSWERS.get(bound, set()):
                self.flag(node, f"binds {bound} to bplib's own answer {module}.{alias.name}")

    def _module(self, node, name):
        root = name.split(".")[0]
        if root == "bpcourse":
            self.flag(node, f"imports the instructors' package ({name})")
        elif root in _DYNAMIC_MODULES:
            self.flag(node, _DYNAMIC_MODULES[root])

    # -- definitions and assignments -----------------------------------------------------------------
    def visit_FunctionDef(self, node):
        if node.name in self.functions:
            answer = self._answer_in(node, node.name)
            if answer:
                self.flag(node, f"{node.name} uses bplib's own answer {answer}")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def _targets(self, node, targets, value):
        for target in targets:
            for element in ast.walk(target):
                if isinstance(element, ast.Name) and element.id in self.functions and value is not None:
                    answer = self._answer_in(value, element.id)
                    if answer:
                        self.flag(node, f"binds {element.id} to bplib's own answer {answer}")
            base = target.value if isinstance(target, ast.Subscript) else target
            if isinstance(base, ast.Attribute):
                real = self.real(base)
                if real:
                    self.flag(node, f"changes a module: {real}")

    def visit_Assign(self, node):
        self._targets(node, node.targets, node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._targets(node, [node.target], node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._targets(node, [node.target], node.value)
        self.generic_visit(node)

    def visit_Delete(self, node):
        self._targets(node, node.targets, None)
        self.generic_visit(node)

    # -- names, attributes, calls, strings -----------------------------------------------------------
    def _real_name(self, node, real):
        parts = real.split(".")
        for i in range(1, len(parts)):
            message = _TRICKS.get((".".join(parts[:i]), parts[i]))
            if message:
                self.flag(node, message)
                break
        if real.startswith("bplib.checks.load") or real == "bplib.checks.evaluate":
            self.flag(node, f"reads the feedback's test data ({real})")

    def visit_Name(self, node):
        real = self.imports.get(node.id)
        if real and real != node.id:
            self._real_name(node, real)
        if node.id == "__builtins__":
            self.flag(node, "touches __builtins__")
        elif node.id.startswith("__bp_"):
            self.flag(node, f"touches the grader's names ({node.id})")

    def visit_Attribute(self, node):
        real = self.real(node)
        if real:
            self._real_name(node, real)
        if node.attr in ("kernel", "session") and isinstance(node.value, ast.Call) \
                and _dotted(node.value.func) == ["get_ipython"]:
            self.flag(node, f"reaches into the kernel (get_ipython().{node.attr})")
        self.generic_visit(node)

    def visit_Call(self, node):
        name = _dotted(node.func)
        last = name[-1] if name else (node.func.attr if isinstance(node.func, ast.Attribute) else None)
        if name and len(name) == 1 and name[0] in _DYNAMIC_CALLS:
            self.flag(node, _DYNAMIC_CALLS[name[0]])
        if name and name[-1] in ("getattr", "setattr", "delattr") and len(node.args) >= 2:
            key = node.args[1]
            how = f"by string {key.value!r}"[:60] if isinstance(key, ast.Constant) else "by a computed name"
            self.flag(node, f"{name[-1]} {how}")
        if last in ("system", "getoutput") and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Call) and _dotted(node.func.value.func) == ["get_ipython"]:
            self.flag(node, "runs a shell command (!)")
        if last == "run_cell_magic" and node.args and isinstance(node.args[0], ast.Constant) \
                and node.args[0].value in ("bash", "sh", "script", "system", "writefile", "python", "perl"):
            self.flag(node, f"runs a %%{node.args[0].value} cell")
        if last in _LISTINGS:
            self.flag(node, f"lists files ({ast.unparse(node.func)[:40]})")
        if last in _FILE_CALLS:
            for argument in node.args:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str) \
                        and _outside(argument.value):
                    self.flag(node, f"reads a path outside its folder: {argument.value[:60]!r}")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and _COURSE_WORDS.search(node.value):
            self.flag(node, f"names course or submission files: {node.value[:60]!r}")


def _outside(path):
    return path.startswith(("/", "~")) or ".." in path.replace("\\", "/").split("/")


def review(nb, notebook, course_sources=frozenset()):
    """Review flags for a parsed notebook answering ``notebook`` (a stem): ["cell N line M: what", ...]
    (at most MAX_FLAGS). ``course_sources``: stripped sources of the course's own cells, not read.
    A cell past MAX_REVIEWED characters of code in all, or nested too deeply for the reviewer's
    recursion, is flagged as not reviewed (the review never stops a submission's grading)."""
    cells, left = [], MAX_REVIEWED
    for number, cell in enumerate(nb.cells, 1):
        if cell.cell_type != "code" or cell.source.strip() in course_sources:
            continue
        if len(cell.source) > left:
            cells.append((number, f"not reviewed: {len(cell.source):,} characters of code, past the "
                                  f"{MAX_REVIEWED:,} the review reads in all"))
            continue
        left -= len(cell.source)
        cells.append((number, _python(cell.source)))
    imports = _Imports()
    for position, (number, tree) in enumerate(cells):
        if isinstance(tree, ast.AST):
            try:
                imports.visit(tree)
            except RecursionError:
                cells[position] = (number, _TOO_DEEP)
    functions = {e.function for e in EXERCISES if e.notebook == notebook}
    flags = []
    for number, tree in cells:
        def flag(node, message, number=number):
            text = f"cell {number} line {getattr(node, 'lineno', 1)}: {message}"
            if text not in flags and len(flags) < MAX_FLAGS:
                flags.append(text)

        if isinstance(tree, str):
            flag(None, tree)
        elif tree is not None:
            try:
                _Reviewer(imports.names, functions, flag).visit(tree)
            except RecursionError:
                flag(None, _TOO_DEEP)
    return flags
