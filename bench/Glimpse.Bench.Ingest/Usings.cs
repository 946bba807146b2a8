// The pipeline namespaces this bench uses, in one place (the contract moved to Glimpse.Core; an older tree says
// Glimpse.Pipeline.Contracts here, which is all it takes to measure it the same way).
global using Glimpse.Core.Contracts;
global using Glimpse.Pipeline.Client;
global using Glimpse.Pipeline.Handlers;
global using Glimpse.Pipeline.Hosting;
global using Glimpse.Pipeline.Storage;
