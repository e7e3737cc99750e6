package dev.azurekeyvaultissuer; final class Placeholder {}
