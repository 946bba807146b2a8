using System.CommandLine;
using Glimpse.Model;
using Spectre.Console;

namespace Glimpse.Cli.Commands;

/// <summary>Options and error handling every command shares.</summary>
internal static class CommonOptions
{
    public static Option<string?> Model() => new("--model", "-m")
    {
        Description = "Hugging Face model folder (config.json, model.safetensors, tokenizer.json, preprocessor_config.json).",
    };

    public static string ResolveModel(string? dir) =>
        dir ?? throw new UserInputException("--model is required: give a Hugging Face model folder.");

    /// <summary>Runs a command body; user mistakes and unusable models print one clear line and exit 2, not a stack trace.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is UserInputException or ModelLoadException or ArgumentException or FileNotFoundException or DirectoryNotFoundException)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 2;
        }
    }
}

/// <summary>A mistake in what the user asked for; reported as one line.</summary>
internal sealed class UserInputException(string message) : Exception(message);
