using System.CommandLine;
using Glimpse.Cli.Commands;
using Spectre.Console;

// Redirected output (a log, CI) has no terminal width; tables would wrap at 80 columns.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;

var root = new RootCommand("Glimpse: run a vision-language model on an image and a question, and explain what it looked at.")
{
    GenerateCommand.Create(),
    ExplainCommand.Create(),
    EvalCommand.Create(),
    InspectCommand.Create(),
    BenchCommand.Create(),
    DemoCommand.Create(),
    DataCommand.Create(),
    TrainDemoCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
