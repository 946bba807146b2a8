using System.CommandLine;
using Glimpse.Cli.Commands;
using Spectre.Console;

// Redirected output (a log, CI) has no terminal width; tables would wrap at 80 columns.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;

// `glimpse eval --data synthetic`: the demo model's held-out benchmark, made in memory.
Glimpse.Demo.Questions.SyntheticEvalSource.Register();

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
    LocalCommand.Create(),
    SubmitCommand.Create(),
    AuditCommand.Create(),
};
// Ctrl+C or SIGTERM cancels the running command; `glimpse local` then needs time to hand a job in flight back to the
// queue and to stop the Azurite it started (System.CommandLine's default is to give up after 2 seconds).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
