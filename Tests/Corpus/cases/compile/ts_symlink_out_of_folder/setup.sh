printf 'export const secret = "%s";\n' "$SECRET" > "$OUTSIDE/secret.ts"
ln -s "$OUTSIDE/secret.ts" agent/lib.ts
