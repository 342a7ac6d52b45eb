namespace MiniNetFgsm.Tests.Cli;

/// <summary>
/// Tests that redirect <see cref="Console.Out"/> and <see cref="Console.Error"/>, which are process-wide: they run one at
/// a time and never beside another test class.
/// </summary>
[CollectionDefinition("Console", DisableParallelization = true)]
public sealed class ConsoleCollection;
