namespace MiniNetFgsm.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.WriteLine("mininet");
        return 0;
    }
}
