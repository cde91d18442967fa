// JupyterLab 4 (pip, requirements-jupyter.txt): every teaching notebook, run in the page.
import { jupyterLab } from "./frontends/drivers";
import { modernJupyter } from "./frontends/servers";
import { frontEndSuite } from "./frontends/suite";

frontEndSuite("JupyterLab 4 in a real browser", jupyterLab, modernJupyter);
