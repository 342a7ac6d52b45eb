namespace MiniNetFgsm.Cli;

/// <summary>A mistake by the user (bad option value, missing file): printed as one line, exit code 2.</summary>
internal sealed class UserError(string message) : Exception(message);
