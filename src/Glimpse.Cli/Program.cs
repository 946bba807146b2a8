using System.CommandLine;
using Glimpse.Cli.Commands;

var root = new RootCommand("Glimpse: run a vision-language model on an image and a question, and explain what it looked at.")
{
    GenerateCommand.Create(),
    ExplainCommand.Create(),
    InspectCommand.Create(),
    BenchCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
