// Bundles the explorer and GraphiQL into dist/ (static files the app serves; nothing from a CDN at run time).
import { build } from "esbuild";
import { cpSync, mkdirSync, rmSync } from "node:fs";

const outdir = "dist";
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: { explorer: "src/explorer.ts", graphiql: "src/graphiql.tsx" },
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
});
for (const file of ["index.html", "graphiql.html", "explorer.css"]) cpSync(`static/${file}`, `${outdir}/${file}`);
