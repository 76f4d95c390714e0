// Kernel launcher named in .venv's tslab kernel.json: runs the project's tslab from the project
// root. tslab type-checks cells with TypeScript's rootDir = its working directory and rejects a
// local .ts import outside it ("File '.../src/sim/index.ts' is not under 'rootDir'"), and Jupyter
// starts kernels in the notebook's folder, so from notebooks/ no import of src/ could compile.
// Cells therefore see the project root as cwd: `import { Simulation } from "./src/sim/index"`.
// (tslab resolves local imports by appending ".js" only: name the file, not the folder.)
"use strict";
const path = require("path");
process.chdir(path.resolve(__dirname, ".."));
require("../node_modules/tslab/dist/main.js").main(); // parses `kernel --config-path FILE`
