using System.CommandLine;
using Azure;
using Glimpse.Core.Contracts;
using Glimpse.Core.Methods;
using Glimpse.Pipeline.Audits;
using Glimpse.Pipeline.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace Glimpse.Cli.Commands;

/// <summary>
/// <c>glimpse audit upload</c> (a <c>glimpse eval</c> dataset folder as an audit suite) and <c>glimpse audit run</c>
/// (start a suite's run now, outside the schedule). Both talk to the pipeline's storage account: <c>--connection</c>,
/// else <c>Glimpse__Storage__ConnectionString</c>, else Azurite's development storage.
/// </summary>
internal static class AuditCommand
{
    private const string ConnectionVariable = "Glimpse__Storage__ConnectionString";

    public static Command Create() => new("audit", "Scheduled model audits: suites of labelled cases run through the pipeline, with a report per run.")
    {
        Upload(),
        Run(),
    };

    private static Option<string?> Connection() => new("--connection")
    {
        Description = $"Storage connection string (default: ${ConnectionVariable}, else UseDevelopmentStorage=true, i.e. a local Azurite).",
    };

    private static Option<string?> Suite() => new("--suite", "-s") { Description = "The suite's name (its folder in glimpse-audits)." };

    private static Command Upload()
    {
        var suite = Suite();
        var data = new Option<string?>("--data", "-d") { Description = "A glimpse eval dataset folder (data.jsonl beside its images and references)." };
        var model = new Option<string?>("--model", "-m") { Description = "The model id the suite runs on (default: the audit's configured default model)." };
        var methods = new Option<string?>("--methods") { Description = "Comma-separated explanation methods, variants with options of their own allowed, e.g. 'glimpse,glimpse[depth_prior=off]' (default: glimpse)." };
        var maxNewTokens = new Option<int?>("--max-new-tokens") { Description = "Longest answer, in tokens (default: the audit's default)." };
        var connection = Connection();
        var command = new Command("upload", "Upload a glimpse eval dataset folder as an audit suite (images and references first, suite.json last).")
        {
            suite, data, model, methods, maxNewTokens, connection,
        };
        command.SetAction(parse => CommonOptions.Run(() => WithStorage(async () =>
        {
            string name = CommonOptions.Require(parse.GetValue(suite), "--suite");
            string folder = CommonOptions.Require(parse.GetValue(data), "--data");
            var chosen = parse.GetValue(methods) is { } written ? MethodVariant.SplitList(written) : null;
            var store = await StoreAsync(parse.GetValue(connection));
            var upload = await AuditSuites.UploadFromEvalFolderAsync(store, name, folder, parse.GetValue(model), chosen, parse.GetValue(maxNewTokens),
                CancellationToken.None);
            AnsiConsole.MarkupLine($"Suite [bold]{Markup.Escape(upload.Suite)}[/]: {upload.Cases} cases, {upload.Blobs.Count} blobs in {BlobLayout.AuditsContainer}/{Markup.Escape(upload.Suite)}/.");
            return 0;
        })));
        return command;
    }

    private static Command Run()
    {
        var suite = Suite();
        var connection = Connection();
        var model = new Option<string?>("--default-model") { Description = "The model of a suite that names none." };
        var command = new Command("run", "Start a suite's audit run now: one job per case and method, through the same path as every job.")
        {
            suite, model, connection,
        };
        command.SetAction(parse => CommonOptions.Run(() => WithStorage(async () =>
        {
            string name = CommonOptions.Require(parse.GetValue(suite), "--suite");
            var options = new AuditOptions { DefaultModel = parse.GetValue(model) };
            options.Validate();
            var store = await StoreAsync(parse.GetValue(connection));
            var scheduler = new AuditScheduler(store, options, NullLogger<AuditScheduler>.Instance);
            // The slot is now, to the second: running twice in one second names one run.
            var now = DateTimeOffset.UtcNow;
            var slot = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
            var start = await scheduler.StartRunAsync(name, slot, CancellationToken.None)
                ?? throw new UserInputException($"There is no suite '{name}': {BlobLayout.AuditsContainer}/{name}/{AuditLayout.SuiteFileName} does not exist.");
            if (start.Decision == AuditStartDecision.InvalidSuite)
            {
                AnsiConsole.MarkupLine($"[red]The suite cannot run[/] (run {Markup.Escape(start.RunId)} records why):");
                foreach (string problem in start.Problems) AnsiConsole.MarkupLine($"  {Markup.Escape(problem)}");
                return 1;
            }
            AnsiConsole.MarkupLine($"Run [bold]{Markup.Escape(start.RunId)}[/]: {start.JobsSubmitted} jobs submitted. The next audit tick writes "
                                   + $"{BlobLayout.AuditsContainer}/{Markup.Escape(AuditLayout.ReportBlob(start.RunId))} once they have finished.");
            return 0;
        })));
        return command;
    }

    /// <summary>The audit store on the account, its containers created where missing (a fresh Azurite has none).</summary>
    private static async Task<AuditStore> StoreAsync(string? connection)
    {
        var service = StorageClients.CreateBlobService(new PipelineStorageOptions
        {
            ConnectionString = connection ?? Environment.GetEnvironmentVariable(ConnectionVariable) ?? "UseDevelopmentStorage=true",
        });
        await PipelineContainers.EnsureCreatedAsync(service, CancellationToken.None);
        return new AuditStore(service);
    }

    /// <summary>Runs the body; storage that cannot be reached or refuses is one line, not a stack trace.</summary>
    private static int WithStorage(Func<Task<int>> body)
    {
        try
        {
            return body().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException or HttpRequestException)
        {
            throw new UserInputException($"storage: {e.Message.Split('\n')[0]}");
        }
    }
}
