"""What a person or a tool reads: the console report and the file formats."""
