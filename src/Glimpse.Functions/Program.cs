using Glimpse.Functions;
using Glimpse.Pipeline.Hosting;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

// The Functions app: ingest and the inbox shortcut, thin adapters over the pipeline's handlers. Work goes out on the
// transport Glimpse:Transport:Kind names (Service Bus in Azure, through Azure.Messaging.ServiceBus directly).
var builder = FunctionsApplication.CreateBuilder(args);
builder.Configuration.AddInMemoryCollection(FunctionSettings.StorageFallback(builder.Configuration));
builder.Services.AddGlimpsePipeline(builder.Configuration);
builder.Services.AddGlimpseTelemetry(builder.Configuration, "glimpse-functions").UseFunctionsWorkerDefaults();
await builder.Build().RunAsync();
