"""cli: the `learnkit` command, one module per family of subcommands, each parsing its arguments, calling one core
function and printing. An adapter: it may import every layer, and nothing imports it."""
