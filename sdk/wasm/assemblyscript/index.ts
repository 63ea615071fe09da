// The package entry asc resolves for `import ... from "@aura/wasm"` (node_modules/@aura/wasm/index.ts).
export * from "./assembly/index";
