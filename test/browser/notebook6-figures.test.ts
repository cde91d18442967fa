// Notebook 6 (Debian's, what set-up falls back to): every teaching notebook, run in the
// page, under the same checks as JupyterLab 4 and Notebook 7.
import { notebook6 } from "./frontends/drivers";
import { notebook6Jupyter, type JupyterEnv } from "./frontends/servers";
import { frontEndSuite } from "./frontends/suite";

const nb6 = notebook6Jupyter();
frontEndSuite(
  "Notebook 6 in a real browser",
  notebook6,
  () => nb6 as JupyterEnv,
  nb6 ? "" : "no Notebook 6 here (set-up found another Jupyter and /usr/bin/jupyter is not 6.x)",
);
