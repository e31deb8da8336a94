mkdir -p secret
printf 'static const char secret[] = "%s";\n' "$SECRET" > secret/secret.h
printf '%s' "$SECRET" > secret/secret.txt
