using System.CommandLine;

namespace Glimpse.Cli.Commands;

internal static class GenerateCommand
{
    public static Command Create() => new("generate", "Answer a question about an image.");
}
