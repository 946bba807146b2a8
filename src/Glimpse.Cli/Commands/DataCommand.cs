using System.CommandLine;
using Glimpse.Demo.Questions;
using Spectre.Console;

namespace Glimpse.Cli.Commands;

/// <summary><c>glimpse data</c>: export synthetic grounded VQA items as a dataset folder (images, evidence masks, data.jsonl).</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var split = new Option<string>("--split") { Description = "train, validation or test.", DefaultValueFactory = _ => "test" };
        var count = new Option<int>("--count", "-n") { Description = "Number of items.", DefaultValueFactory = _ => 500 };
        var first = new Option<int>("--first-index") { Description = "Index within the split of the first item.", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out", "-o") { Description = "Dataset folder to write.", DefaultValueFactory = _ => "glimpse-data" };
        var command = new Command("data", "Write synthetic grounded VQA items (scene PNG, evidence mask PNG, data.jsonl) in the dataset folder format.")
        {
            split, count, first, output,
        };
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var which = DatasetSplits.Parse(parse.GetValue(split)!);
            int n = parse.GetValue(count);
            if (n < 1) throw new UserInputException($"--count must be at least 1, got {n}.");
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"write {which.Name()} items", maxValue: n);
                    DatasetExport.Write(outDir, which, n, parse.GetValue(first), progress: done => task.Value = done);
                });
            AnsiConsole.MarkupLine($"[green]Wrote[/] {n} items to {Markup.Escape(outDir)}");
            return 0;
        }));
        return command;
    }
}
