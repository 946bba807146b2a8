using System.CommandLine;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Hosting;
using Glimpse.Processing.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Glimpse.Cli.Commands;

/// <summary>
/// <c>glimpse local</c>: the whole pipeline in this process on Azurite (started when none answers): ingest (polling the
/// jobs container in the blob trigger's place), the worker loop and the completion subscription, on the Storage Queues
/// transport. Prints each completion; Ctrl+C stops it, abandoning a job in flight so the next run finishes it.
/// </summary>
internal static class LocalCommand
{
    public static Command Create()
    {
        var models = new Option<string?>("--models") { Description = "Models folder: one subfolder per model id (default: the embedded demo model)." };
        var port = new Option<int>("--azurite-port")
        {
            Description = "Azurite's blob port; queues use the next port, tables the one after.",
            DefaultValueFactory = _ => LocalDefaults.AzuriteBlobPort,
        };
        var connection = new Option<string?>("--connection") { Description = "A storage connection string to use instead of Azurite." };
        var transport = new Option<string>("--transport")
        {
            Description = "The bus between ingest and worker; locally only storage-queues.",
            DefaultValueFactory = _ => "storage-queues",
        };
        var device = CommonOptions.Device();
        var verbose = new Option<bool>("--verbose") { Description = "Log every step, not only warnings and completions." };
        var command = new Command("local", "Run the whole pipeline in this process on Azurite: ingest, worker and completion events.")
        {
            models, port, connection, transport, device, verbose,
        };
        command.SetAction((parse, cancellationToken) => CommonOptions.RunAsync(async () =>
        {
            if (parse.GetValue(transport) != "storage-queues")
                throw new UserInputException($"--transport '{parse.GetValue(transport)}': the local pipeline runs on storage-queues only (Service Bus needs a namespace).");
            string folder = LocalDefaults.ModelsFolder(parse.GetValue(models));
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"--models '{folder}' does not exist.");

            using var azurite = parse.GetValue(connection) is { Length: > 0 }
                ? null
                : await AzuriteLauncher.EnsureRunningAsync(parse.GetValue(port), Console.Error, cancellationToken);
            string storage = parse.GetValue(connection) is { Length: > 0 } given ? given : azurite!.ConnectionString;
            var options = new LocalPipelineOptions { StorageConnectionString = storage, ModelsFolder = folder, Device = parse.GetValue(device) ?? "cpu" };
            var level = parse.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning;

            AnsiConsole.MarkupLine("Loading models and starting the pipeline…");
            await using var pipeline = await LocalPipeline.StartAsync(options, PrintAsync, logging => logging
                .SetMinimumLevel(level)
                .AddFilter("Azure", LogLevel.Warning)
                .AddSimpleConsole(console => console.SingleLine = true), cancellationToken);
            bool defaultPort = azurite is { BlobPort: LocalDefaults.AzuriteBlobPort };
            AnsiConsole.MarkupLine("[green]Ready.[/] Submit from another terminal:");
            AnsiConsole.MarkupLine(Markup.Escape("  glimpse submit --image photo.png --prompt \"What is in the picture?\" --model ID --wait"
                + (defaultPort || azurite is null ? "" : $" --azurite-port {azurite.BlobPort}")));
            AnsiConsole.MarkupLine("Ctrl+C stops.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                AnsiConsole.MarkupLine("Stopping: a job in flight is handed back to the queue…");
            }
            await pipeline.StopAsync(CancellationToken.None);
            return 0;
        }));
        return command;
    }

    private static Task PrintAsync(CompletionEvent completion)
    {
        AnsiConsole.MarkupLine(Markup.Escape(CompletionLine(completion)));
        return Task.CompletedTask;
    }

    /// <summary>One line per completion: the job, its outcome, and where the results (or the reason) are.</summary>
    public static string CompletionLine(CompletionEvent completion) => completion.Status == JobStatus.Succeeded
        ? $"✓ {completion.JobId} succeeded ({completion.Model}, {completion.Method}): \"{completion.Answer}\" → {completion.Results?.ReportHtml}"
        : $"✗ {completion.JobId} failed: {completion.Reason}";
}
