// placeholder: wired in the foundation work
