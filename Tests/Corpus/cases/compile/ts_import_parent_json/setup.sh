# The secret, outside the agent's folder agent/ (secret/ is the case's own sibling folder).
mkdir -p secret
printf 'export const secret = "%s";\n' "$SECRET" > secret/secret.ts
printf '{"secret": "%s"}\n' "$SECRET" > secret/secret.json
printf 'module.exports = { secret: "%s" };\n' "$SECRET" > secret/secret.js
