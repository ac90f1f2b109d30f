// Bundles the explorer and GraphiQL into dist/ (static files the app serves; nothing from a CDN at run time).
import { build } from "esbuild";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const outdir = "dist";
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const common = {
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "esm",
  target: ["es2022"],
  outdir,
  loader: { ".graphql": "text" },
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "none",
  logLevel: "warning",
};
// The explorer: the pipeline view (Chart.js) is a chunk of its own, loaded when opened.
await build({ ...common, entryPoints: { explorer: "src/explorer.ts" }, splitting: true, chunkNames: "chunks/[name]-[hash]" });
// GraphiQL (React, CodeMirror): one file and its stylesheet.
await build({ ...common, entryPoints: { graphiql: "src/graphiql.tsx" }, splitting: false });
for (const file of ["graphiql.html", "explorer.css"]) cpSync(`static/${file}`, `${outdir}/${file}`);
// index.html starts the buying center's request itself: the query text is the one of src/queries.
const buyingCenter = readFileSync("src/queries/buyingCenter.graphql", "utf8").replace(/\s+/g, " ").trim();
const page = readFileSync("static/index.html", "utf8");
if (!page.includes("BUYING_CENTER_QUERY")) throw new Error("index.html lost its BUYING_CENTER_QUERY slot");
writeFileSync(`${outdir}/index.html`, page.replace("BUYING_CENTER_QUERY", JSON.stringify(buyingCenter)));
