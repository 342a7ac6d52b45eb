namespace MiniNetFgsm.Cli;

/// <summary>A mistake by the user (bad option value, missing file): printed as one line, exit code 2.</summary>
internal sealed class UserError(string message) : Exception(message);

/// <summary>Ctrl-C stopped a run after saving what it could: the message (where the checkpoint is) goes on stderr, exit code 130.</summary>
internal sealed class Interrupted(string message) : Exception(message);
