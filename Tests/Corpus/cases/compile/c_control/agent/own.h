static const char greeting[] = "hello from the corpus";
