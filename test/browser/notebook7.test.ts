// Notebook 7 (pip, requirements-jupyter.txt): every teaching notebook, run in the page.
import { notebook7 } from "./frontends/drivers";
import { modernJupyter } from "./frontends/servers";
import { frontEndSuite } from "./frontends/suite";

frontEndSuite("Notebook 7 in a real browser", notebook7, modernJupyter);
