using System.CommandLine;
using Glimpse.Demo;
using Glimpse.Model;
using Spectre.Console;

namespace Glimpse.Cli.Commands;

/// <summary><c>glimpse demo</c>: explain the bundled sample questions and write an index page linking each report.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var output = new Option<string>("--out", "-o") { Description = "Output folder.", DefaultValueFactory = _ => "glimpse-demo" };
        var method = new Option<string>("--method") { Description = $"One of: {string.Join(", ", Glimpse.Core.Methods.ExplainMethods.Names)}.", DefaultValueFactory = _ => "glimpse" };
        var command = new Command("demo", "Explain the bundled sample questions with the demo model and write index.html linking each report.")
        {
            model, output, method,
        };
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            string methodName = parse.GetValue(method)!;
            Glimpse.Explain.Explainers.Create(methodName);   // an unknown method fails before the model loads
            IReadOnlyList<DemoEntry> entries = [];
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("load model", maxValue: DemoShowcase.Samples.Count);
                    using var runtime = VisionLanguageRuntime.Open(CommonOptions.ResolveModel(parse.GetValue(model)));
                    entries = DemoShowcase.Write(outDir, runtime, methodName, (i, sample) =>
                    {
                        task.Value = i;
                        task.Description = $"explain {sample.Name}";
                    });
                    task.Value = task.MaxValue;
                    task.Description = "done";
                });
            var table = new Table().AddColumns("sample", "question", "answer", "");
            foreach (var e in entries)
                table.AddRow(Markup.Escape(e.Sample.Name), Markup.Escape(e.Item.Question), Markup.Escape(e.Answer), e.Correct ? "[green]✓[/]" : "[red]✗[/]");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(Path.Combine(outDir, DemoShowcase.IndexFile))} ({entries.Count} reports)");
            return 0;
        }));
        return command;
    }
}
