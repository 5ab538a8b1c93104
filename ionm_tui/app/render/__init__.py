"""Pure rendering: values in, Rich ``Text`` or Textual ``Strip`` out; testable without a UI."""
