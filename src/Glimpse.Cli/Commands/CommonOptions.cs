using Glimpse.Core.Methods;
using System.CommandLine;
using Glimpse.Core.Images;
using Glimpse.Model;
using Glimpse.Pipeline.Hosting;
using Spectre.Console;
using TorchSharp;

namespace Glimpse.Cli.Commands;

/// <summary>Options and error handling every command shares.</summary>
internal static class CommonOptions
{
    public static Option<string?> Model() => new("--model", "-m")
    {
        Description = "Hugging Face model folder (config.json, model.safetensors, tokenizer.json, preprocessor_config.json); the bundled demo model when left out.",
    };

    public static Option<string?> Image() => new("--image", "-i") { Description = "Image file (PNG, JPEG, WebP, BMP, GIF)." };

    public static Option<string?> Prompt() => new("--prompt", "-p") { Description = "The question about the image." };

    public static Option<string> DType() => new("--dtype")
    {
        Description = "Compute dtype: float32 (default on CPU), float64, bfloat16, float16.",
        DefaultValueFactory = _ => "float32",
    };

    public static Option<string> Device() => new("--device")
    {
        Description = "cpu (default) or cuda.",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>The precision and device options of explain and eval.</summary>
    /// <summary>How to load the model for <paramref name="precision"/> (the option table's <c>--precision</c>) on the chosen device.</summary>
    public static ModelLoadOptions LoadOptions(ModelPrecision precision, ParseResult parse, Option<string> device) =>
        ModelLoadOptions.For(precision, CheckedDevice(parse.GetValue(device)));

    public static ModelLoadOptions LoadOptions(ParseResult parse, Option<string> dtype, Option<string> device)
    {
        var type = parse.GetValue(dtype) switch
        {
            "float32" => torch.ScalarType.Float32,
            "float64" => torch.ScalarType.Float64,
            "bfloat16" => torch.ScalarType.BFloat16,
            "float16" => torch.ScalarType.Float16,
            var other => throw new UserInputException($"--dtype '{other}' is not one of float32, float64, bfloat16, float16."),
        };
        return new ModelLoadOptions { DType = type, Device = CheckedDevice(parse.GetValue(device)) };
    }

    private static string CheckedDevice(string? device)
    {
        string where = device ?? "cpu";
        if (where.StartsWith("cuda", StringComparison.Ordinal) && !torch.cuda.is_available())
            throw new UserInputException($"--device {where}: CUDA is not available in this build or on this machine.");
        if (where != "cpu" && !where.StartsWith("cuda", StringComparison.Ordinal))
            throw new UserInputException($"--device '{where}' is not cpu or cuda.");
        return where;
    }

    /// <summary>The model folder given, else the bundled demo model.</summary>
    public static string ResolveModel(string? dir) => string.IsNullOrEmpty(dir) ? Glimpse.Demo.DemoModel.Directory : dir;

    public static string Require(string? value, string option) =>
        string.IsNullOrEmpty(value) ? throw new UserInputException($"{option} is required.") : value;

    /// <summary>Runs a command body; user mistakes and unusable inputs print one clear line and exit 2, not a stack trace.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            return Report(e);
        }
    }

    /// <summary><see cref="Run"/> for an asynchronous body; storage that cannot be reached is reported the same way.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (IsUserFacing(e) || e is Azure.RequestFailedException or HttpRequestException or AggregateException { InnerException: HttpRequestException })
        {
            return Report(e);
        }
    }

    private static bool IsUserFacing(Exception e) => e is UserInputException or ModelLoadException or ImageDecodeException or ArgumentException
        or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or AzuriteUnavailableException;

    private static int Report(Exception e)
    {
        string message = e is ArgumentException { ParamName: { } name } && e is not ArgumentOutOfRangeException
            ? e.Message.Replace($" (Parameter '{name}')", "")
            : e.Message;
        AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        return 2;
    }
}

/// <summary>A mistake in what the user asked for; reported as one line.</summary>
internal sealed class UserInputException(string message) : Exception(message);
